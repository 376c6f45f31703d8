"""Regie's common library: plumbing only (settings, database and tenancy, auth, events, storage, errors,
logging, health). No domain rules live here: those belong to the service that owns them."""
