"""Generate the Keycloak realm files, one per tenant (province).

    python -m devstack.realms          # (re)writes deploy/keycloak/realms/<tenant>.json
    python -m devstack.realms --check  # exit 1 if a file is out of date

The five realms differ only in name, display name and demo data, so they are
generated rather than edited by hand. URLs of the gateway are left as the
placeholder ${REGIE_GATEWAY_URL}; the importer (devstack.keycloak) substitutes
the URL of the stack it imports into.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from devstack.config import REPO_ROOT, TENANTS

REALMS_DIR = REPO_ROOT / "deploy" / "keycloak" / "realms"
GATEWAY_URL_PLACEHOLDER = "${REGIE_GATEWAY_URL}"
DIRECTORY_SECRET_PLACEHOLDER = "${REGIE_DIRECTORY_CLIENT_SECRET}"
DIRECTORY_CLIENT = "regie-directory"
DIRECTORY_ROLES = ("view-users", "view-realm")
"""What the directory's service account may do in the realm: read its people and which roles they hold."""
API_AUDIENCE = "regie-api"
DEMO_PASSWORD = "demo"

DISPLAY_NAMES: dict[str, str] = {
    "antwerpen": "Provincie Antwerpen",
    "limburg": "Provincie Limburg",
    "oost-vlaanderen": "Provincie Oost-Vlaanderen",
    "vlaams-brabant": "Provincie Vlaams-Brabant",
    "west-vlaanderen": "Provincie West-Vlaanderen",
}

# Realm roles with the description shown to administrators (Dutch).
ROLES: dict[str, str] = {
    "applicant": "Aanvrager: dient subsidieaanvragen in namens een organisatie",
    "juror": "Jurylid: beoordeelt aanvragen op de criteria van een oproep",
    "call-manager": "Oproepbeheerder: beheert subsidieoproepen, screening, jury en besluiten",
    "partner": "Partner: beheert de eigen organisatie, overeenkomsten en realisaties",
    "coordinator": "Regisseur sociale economie: volgt samenwerkingsovereenkomsten en indicatoren op",
    "driver": "Chauffeur (leerwerknemer): registreert ophalingen en leveringen",
    "province-admin": "Provinciebeheerder: beheert de instellingen en gebruikers van de provincie",
}

# One demo user per role, username = role name.
DEMO_NAMES: dict[str, tuple[str, str]] = {
    "applicant": ("An", "Peeters"),
    "juror": ("Jan", "Janssens"),
    "call-manager": ("Els", "Maes"),
    "partner": ("Pieter", "Jacobs"),
    "coordinator": ("Sofie", "Willems"),
    "driver": ("Tom", "Claes"),
    "province-admin": ("Katrien", "Goossens"),
}

# Demo users that act for an organisation carry its enterprise number.
ENTERPRISE_ROLES: tuple[str, ...] = ("applicant", "juror", "partner")

# More jurors, so that a demo jury has several members and a chair; each sits for its own organisation.
EXTRA_JURORS: dict[str, tuple[str, str]] = {
    "juror2": ("Lotte", "Wouters"),
    "juror3": ("Bram", "Mertens"),
    "jury-chair": ("Marleen", "Dubois"),
}

# More applicants, so that the demo call has applications of several organisations (and co-applicants who can
# confirm): each works for its own organisation (devstack/demo.py says which), except where COLLEAGUES says.
EXTRA_APPLICANTS: dict[str, tuple[str, str]] = {
    "applicant2": ("Sarah", "De Smet"),
    "applicant3": ("Wim", "Vermeulen"),
    "applicant4": ("Nathalie", "Hermans"),
    "applicant5": ("Koen", "Van den Broeck"),
    "applicant6": ("Ilse", "Michiels"),
    "applicant7": ("Dirk", "Lambrechts"),
    "applicant8": ("Griet", "Aerts"),
}

# More partners, so that an agreement has several partner organisations that each enter their own realisations.
EXTRA_PARTNERS: dict[str, tuple[str, str]] = {
    "partner2": ("Hilde", "Verstraete"),
    "partner3": ("Luc", "Desmet"),
}

# More drivers, so that the foodsavers demo's three trainee drivers each log their own rounds (rotating by day).
EXTRA_DRIVERS: dict[str, tuple[str, str]] = {
    "driver2": ("Yasmine", "El Amrani"),
    "driver3": ("Jonas", "Vandamme"),
}

# Demo users who work for the same organisation as another demo user, and so carry its enterprise number:
# applicant8 applies for the brewery the juror sits in the jury for (a conflict the registry detects).
COLLEAGUES: dict[str, str] = {"applicant8": "juror"}


def enterprise_number(tenant: str, user: str) -> str:
    """A valid, made-up KBO/BCE number: 8 digits + (97 - those mod 97). `user` is a role (its demo user)
    or one of EXTRA_JURORS, EXTRA_APPLICANTS or EXTRA_PARTNERS."""
    user = COLLEAGUES.get(user, user)
    users = [*ROLES, *EXTRA_JURORS, *EXTRA_APPLICANTS, *EXTRA_PARTNERS]
    base = 4_000_000 + TENANTS.index(tenant) * 1000 + users.index(user) * 37
    first8 = f"0{base:07d}"
    check = 97 - int(first8) % 97
    return f"{first8}{check:02d}"


def _user_profile() -> dict[str, Any]:
    """Keycloak 26's declarative user profile, with enterprise_number declared.

    An attribute the profile does not declare is silently dropped (unmanaged
    attributes are disabled by default), and then no mapper can put it in a
    token. This is Keycloak's default profile plus that one attribute.
    """
    both = {"view": ["admin", "user"], "edit": ["admin", "user"]}
    return {
        "attributes": [
            {
                "name": "username",
                "displayName": "${username}",
                "validations": {
                    "length": {"min": 3, "max": 255},
                    "username-prohibited-characters": {},
                    "up-username-not-idn-homograph": {},
                },
                "permissions": both,
                "multivalued": False,
            },
            {
                "name": "email",
                "displayName": "${email}",
                "validations": {"email": {}, "length": {"max": 255}},
                "required": {"roles": ["user"]},
                "permissions": both,
                "multivalued": False,
            },
            {
                "name": "firstName",
                "displayName": "${firstName}",
                "validations": {"length": {"max": 255}, "person-name-prohibited-characters": {}},
                "required": {"roles": ["user"]},
                "permissions": both,
                "multivalued": False,
            },
            {
                "name": "lastName",
                "displayName": "${lastName}",
                "validations": {"length": {"max": 255}, "person-name-prohibited-characters": {}},
                "required": {"roles": ["user"]},
                "permissions": both,
                "multivalued": False,
            },
            {
                "name": "enterprise_number",
                "displayName": "Ondernemingsnummer",
                "validations": {
                    "pattern": {
                        "pattern": "^[01][0-9]{9}$",
                        "error-message": "Een ondernemingsnummer heeft 10 cijfers.",
                    }
                },
                # Set by administrators: the number decides which
                # organisation's data the user acts for.
                "permissions": {"view": ["admin", "user"], "edit": ["admin"]},
                "multivalued": False,
            },
        ],
        "groups": [
            {
                "name": "user-metadata",
                "displayHeader": "User metadata",
                "displayDescription": "Attributes, which refer to user metadata",
            }
        ],
    }


def _api_mappers() -> list[dict[str, Any]]:
    """Mappers both clients share: the API audience and the enterprise number."""
    return [
        {
            "name": "audience regie-api",
            "protocol": "openid-connect",
            "protocolMapper": "oidc-audience-mapper",
            "consentRequired": False,
            "config": {
                "included.custom.audience": API_AUDIENCE,
                "access.token.claim": "true",
                "id.token.claim": "false",
                "introspection.token.claim": "true",
            },
        },
        {
            "name": "enterprise_number",
            "protocol": "openid-connect",
            "protocolMapper": "oidc-usermodel-attribute-mapper",
            "consentRequired": False,
            "config": {
                "user.attribute": "enterprise_number",
                "claim.name": "enterprise_number",
                "jsonType.label": "String",
                "access.token.claim": "true",
                "id.token.claim": "true",
                "userinfo.token.claim": "true",
                "introspection.token.claim": "true",
            },
        },
    ]


def _clients() -> list[dict[str, Any]]:
    gateway = GATEWAY_URL_PLACEHOLDER
    portal = {
        "clientId": "regie-portal",
        "name": "Regie portaal",
        "description": "De webportalen achter de gateway (authorization code + PKCE)",
        "enabled": True,
        "protocol": "openid-connect",
        "publicClient": True,
        "standardFlowEnabled": True,
        "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": False,
        "serviceAccountsEnabled": False,
        "frontchannelLogout": True,
        "rootUrl": gateway,
        "baseUrl": f"{gateway}/",
        "redirectUris": [f"{gateway}/*"],
        # Web origins are origins (scheme://host:port), not URL patterns.
        "webOrigins": [gateway],
        "attributes": {
            "pkce.code.challenge.method": "S256",
            "post.logout.redirect.uris": f"{gateway}/*",
        },
        "protocolMappers": _api_mappers(),
    }
    cli = {
        "clientId": "regie-cli",
        "name": "Regie API-clients",
        "description": "Scripts en tests: resource owner password grant, geen browserflow",
        "enabled": True,
        "protocol": "openid-connect",
        "publicClient": True,
        "standardFlowEnabled": False,
        "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": True,
        "serviceAccountsEnabled": False,
        "protocolMappers": _api_mappers(),
    }
    directory = {
        "clientId": DIRECTORY_CLIENT,
        "name": "Regie adresboek",
        "description": "grants: het e-mailadres en de taal van wie een bericht krijgt (service account, alleen lezen)",
        "enabled": True,
        "protocol": "openid-connect",
        "publicClient": False,
        "clientAuthenticatorType": "client-secret",
        "secret": DIRECTORY_SECRET_PLACEHOLDER,
        "standardFlowEnabled": False,
        "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": False,
        "serviceAccountsEnabled": True,
    }
    return [portal, cli, directory]


def _directory_account() -> dict[str, Any]:
    """The directory client's service account, with the realm-management roles it reads people with."""
    return {
        "username": f"service-account-{DIRECTORY_CLIENT}",
        "enabled": True,
        "serviceAccountClientId": DIRECTORY_CLIENT,
        "clientRoles": {"realm-management": list(DIRECTORY_ROLES)},
    }


def _user(tenant: str, username: str, role: str, first: str, last: str, with_number: bool) -> dict[str, Any]:
    user: dict[str, Any] = {
        "username": username,
        "enabled": True,
        "emailVerified": True,
        "email": f"{username}@{tenant}.regie.test",
        "firstName": first,
        "lastName": last,
        "credentials": [{"type": "password", "value": DEMO_PASSWORD, "temporary": False}],
        "requiredActions": [],
        "realmRoles": [role],
        # Their own account through Keycloak's account API: the portal keeps the language they choose there
        # (services.gateway.oidc.remember_locale), which the login page and the next login then follow.
        "clientRoles": {"account": ["manage-account", "view-profile"]},
    }
    if with_number:
        user["attributes"] = {"enterprise_number": [enterprise_number(tenant, username)]}
    return user


def _users(tenant: str) -> list[dict[str, Any]]:
    users = [_user(tenant, role, role, first, last, role in ENTERPRISE_ROLES)
             for role, (first, last) in DEMO_NAMES.items()]
    users += [_user(tenant, username, "juror", first, last, True)
              for username, (first, last) in EXTRA_JURORS.items()]
    users += [_user(tenant, username, "applicant", first, last, True)
              for username, (first, last) in EXTRA_APPLICANTS.items()]
    users += [_user(tenant, username, "partner", first, last, True)
              for username, (first, last) in EXTRA_PARTNERS.items()]
    users += [_user(tenant, username, "driver", first, last, False)
              for username, (first, last) in EXTRA_DRIVERS.items()]
    return users


PASSWORD_POLICY = "length(12) and maxLength(128) and notUsername and notEmail and passwordHistory(3)"
"""Long passwords, no composition rules (NIST SP 800-63B): at least 12 characters, not the username or e-mail
address, not one of the last three. The demo users' password ("demo") predates it: the policy is applied after
they are created (devstack.keycloak.import_realms), and a password set from then on must meet it."""
BRUTE_FORCE: dict[str, Any] = {
    "bruteForceProtected": True,
    "permanentLockout": False,
    "failureFactor": 5,
    "waitIncrementSeconds": 60,
    "maxFailureWaitSeconds": 900,
    "maxDeltaTimeSeconds": 43200,
    "quickLoginCheckMilliSeconds": 1000,
    "minimumQuickLoginWaitSeconds": 60,
}
"""Login brute-force protection: after 5 failed logins within 12 hours an account is locked for a minute, longer
with every further failure up to 15 minutes; logins faster than one a second count as an attack."""


def realm(tenant: str) -> dict[str, Any]:
    return {
        "realm": tenant,
        "displayName": DISPLAY_NAMES[tenant],
        "enabled": True,
        # Plain http is fine from local addresses (the dev stack); anything
        # else must use TLS.
        "sslRequired": "external",
        "registrationAllowed": False,
        "loginWithEmailAllowed": True,
        "duplicateEmailsAllowed": False,
        "resetPasswordAllowed": False,
        "rememberMe": False,
        **BRUTE_FORCE,
        "passwordPolicy": PASSWORD_POLICY,
        "internationalizationEnabled": True,
        "supportedLocales": ["nl", "fr", "en"],
        "defaultLocale": "nl",
        "roles": {
            "realm": [
                {"name": name, "description": description, "composite": False}
                for name, description in ROLES.items()
            ]
        },
        "clients": _clients(),
        "users": [*_users(tenant), _directory_account()],
        "components": {
            "org.keycloak.userprofile.UserProfileProvider": [
                {
                    "providerId": "declarative-user-profile",
                    "subComponents": {},
                    "config": {"kc.user.profile.config": [json.dumps(_user_profile())]},
                }
            ]
        },
    }


def render(tenant: str) -> str:
    return json.dumps(realm(tenant), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.realms", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check the files are current")
    args = parser.parse_args(argv)
    stale = []
    REALMS_DIR.mkdir(parents=True, exist_ok=True)
    for tenant in TENANTS:
        path = REALMS_DIR / f"{tenant}.json"
        text = render(tenant)
        if path.exists() and path.read_text() == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text)
            print(f"wrote {path}")
    if args.check and stale:
        print("out of date (run python -m devstack.realms): " + ", ".join(map(str, stale)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
