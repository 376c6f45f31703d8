"""What a service's migration grants so that its request role can fulfil an erasure: read and delete its
own province's published events in the outbox (Row-Level Security still binds it), and pseudonymise the audit
log, which stays append-only for everything else. (Since the outbox keeps no published event, 0015/0014/0010,
the request role may only read it: `shared.events.outbox.outbox_deleted_when_sent_ddl`.)

The audit log first (0012/0011): the request role could UPDATE its text columns inside a transaction that
declared itself an erasure (`regie.erasure`), which any of its statements could declare. Since 0014/0013 the
role has no UPDATE on it at all; it may call one function, `pseudonymise_audit_log`, that runs as the table's
owner and does one thing: replace a person's name, address or subject by a pseudonym (`persoon-` and 8 hex
digits) in the actor, the before and after states and the reasons of its province's entries (the policies
bind the owner too: FORCE ROW LEVEL SECURITY). It refuses anything else, a needle of under three characters
(that would rewrite every entry), and declares the erasure only for its own statement."""

from __future__ import annotations

from shared.isolation import app_role

ERASURE_SETTING = "regie.erasure"
AUDIT_FUNCTION = "pseudonymise_audit_log"
AUDIT_COLUMNS = "actor, before, after, reasons"


def erasure_ddl(audit_trigger: bool = True) -> list[str]:
    statements = [f"GRANT SELECT, DELETE ON outbox TO {app_role()}"]
    if audit_trigger:
        statements += [
            f"""CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'UPDATE' AND current_setting('{ERASURE_SETTING}', true) = 'on' THEN
                        RETURN NULL;
                    END IF;
                    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
                END $$""",
            f"GRANT UPDATE ({AUDIT_COLUMNS}) ON audit_log TO {app_role()}",
        ]
    return statements


def erasure_ddl_undone(audit_trigger: bool = True) -> list[str]:
    statements = [f"REVOKE SELECT, DELETE ON outbox FROM {app_role()}"]
    if audit_trigger:
        statements += [
            f"REVOKE UPDATE ({AUDIT_COLUMNS}) ON audit_log FROM {app_role()}",
            """CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
                END $$""",
        ]
    return statements


# The whole value (a username: "applicant" is also a word in texts) or anywhere (an address, a subject), as
# shared.privacy.records matches them; every character but letters and digits escaped in the pattern.
_FUNCTION = rf"""
CREATE FUNCTION {AUDIT_FUNCTION}(whole text[], anywhere text[], alias text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    needle text;
    pattern text;
    changed integer;
BEGIN
    whole := coalesce(whole, '{{}}');
    anywhere := coalesce(anywhere, '{{}}');
    IF alias IS NULL OR alias !~ '^persoon-[0-9a-f]{{8}}$' THEN
        RAISE EXCEPTION 'not a pseudonym: %', alias USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(whole || anywhere) AS v WHERE v IS NULL OR length(v) < 3) THEN
        RAISE EXCEPTION 'a name to replace has fewer than three characters' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT count(*) INTO changed FROM audit_log a
    WHERE EXISTS (SELECT 1 FROM unnest(whole) AS w
                  WHERE lower(a.actor) = lower(w) OR lower(a.reasons) = lower(w)
                     OR strpos(lower(a.before::text), '"' || lower(w) || '"') > 0
                     OR strpos(lower(a.after::text), '"' || lower(w) || '"') > 0)
       OR EXISTS (SELECT 1 FROM unnest(anywhere) AS o
                  WHERE strpos(lower(a.actor), lower(o)) > 0 OR strpos(lower(a.reasons), lower(o)) > 0
                     OR strpos(lower(a.before::text), lower(o)) > 0 OR strpos(lower(a.after::text), lower(o)) > 0);
    PERFORM set_config('{ERASURE_SETTING}', 'on', true);
    FOREACH needle IN ARRAY whole LOOP
        pattern := '"' || regexp_replace(needle, '([^[:alnum:]])', '\\\1', 'g') || '"';
        UPDATE audit_log SET
            actor = CASE WHEN lower(actor) = lower(needle) THEN alias ELSE actor END,
            reasons = CASE WHEN lower(reasons) = lower(needle) THEN alias ELSE reasons END,
            before = regexp_replace(before::text, pattern, '"' || alias || '"', 'gi')::jsonb,
            after = regexp_replace(after::text, pattern, '"' || alias || '"', 'gi')::jsonb
        WHERE lower(actor) = lower(needle) OR lower(reasons) = lower(needle)
           OR strpos(lower(before::text), '"' || lower(needle) || '"') > 0
           OR strpos(lower(after::text), '"' || lower(needle) || '"') > 0;
    END LOOP;
    FOREACH needle IN ARRAY anywhere LOOP
        pattern := regexp_replace(needle, '([^[:alnum:]])', '\\\1', 'g');
        UPDATE audit_log SET
            actor = regexp_replace(actor, pattern, alias, 'gi'),
            reasons = regexp_replace(reasons, pattern, alias, 'gi'),
            before = regexp_replace(before::text, pattern, alias, 'gi')::jsonb,
            after = regexp_replace(after::text, pattern, alias, 'gi')::jsonb
        WHERE strpos(lower(actor), lower(needle)) > 0 OR strpos(lower(reasons), lower(needle)) > 0
           OR strpos(lower(before::text), lower(needle)) > 0 OR strpos(lower(after::text), lower(needle)) > 0;
    END LOOP;
    PERFORM set_config('{ERASURE_SETTING}', 'off', true);
    RETURN changed;
END $$"""


def audit_function_ddl() -> list[str]:
    """The request role loses its UPDATE on the audit log and gets the function instead."""
    signature = f"{AUDIT_FUNCTION}(text[], text[], text)"
    return [f"REVOKE UPDATE ({AUDIT_COLUMNS}) ON audit_log FROM {app_role()}", _FUNCTION,
            f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC",
            f"GRANT EXECUTE ON FUNCTION {signature} TO {app_role()}"]


def audit_function_ddl_undone() -> list[str]:
    return [f"DROP FUNCTION {AUDIT_FUNCTION}(text[], text[], text)",
            f"GRANT UPDATE ({AUDIT_COLUMNS}) ON audit_log TO {app_role()}"]
