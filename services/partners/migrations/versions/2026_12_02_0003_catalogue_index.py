"""The catalogue's search index in a table of its own, without Row-Level Security, so that PostgreSQL can use its
GIN index (catalogue/models.py says why), kept by a trigger on `organisations`; the unused search vector of
`organisations` goes; organisations registered before 0002 get their municipality's NIS code.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from alembic import op

from shared.isolation import app_role
from shared.municipalities import MUNICIPALITIES
from shared.tenancy import TENANTS

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE catalogue_index (
            organisation_id uuid PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
            tenant varchar(40) NOT NULL,
            search_document text NOT NULL,
            search_vector tsvector GENERATED ALWAYS AS (to_tsvector('regie_dutch'::regconfig, search_document)) STORED
        )""")
    op.execute("CREATE INDEX ix_catalogue_index_search ON catalogue_index USING gin (search_vector)")
    op.execute("CREATE INDEX ix_catalogue_index_tenant ON catalogue_index (tenant)")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON catalogue_index TO {app_role()}")
    # The index follows every write of an organisation's search document, in the writer's transaction and as
    # the writer (the request role), with the organisation's own tenant.
    op.execute("""
        CREATE FUNCTION catalogue_index_follows() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO catalogue_index (organisation_id, tenant, search_document)
            VALUES (NEW.id, NEW.tenant, NEW.search_document)
            ON CONFLICT (organisation_id) DO UPDATE
                SET tenant = EXCLUDED.tenant, search_document = EXCLUDED.search_document;
            RETURN NEW;
        END $$""")
    op.execute("""CREATE TRIGGER organisations_catalogue_index
                  AFTER INSERT OR UPDATE OF search_document, tenant ON organisations
                  FOR EACH ROW EXECUTE FUNCTION catalogue_index_follows()""")
    # Organisations registered before 0002 name their municipality; it is a NIS code now. A name that is no
    # municipality (a part of one, say "Drongen") stays as it was: the registry shows it, a coordinator corrects it.
    names = ", ".join(f"('{m.name.replace(chr(39), chr(39) * 2)}', '{m.code}')" for m in MUNICIPALITIES.values())
    for tenant in TENANTS:  # organisations' policy binds the owner too: one province at a time
        op.execute(f"SELECT set_config('app.tenant', '{tenant}', true)")
        op.execute(f"UPDATE organisations o SET municipality = m.code FROM (VALUES {names}) AS m (name, code) "
                   "WHERE lower(unaccent(o.municipality)) = lower(unaccent(m.name))")
        # …and had no search document: their name, description and municipality, until their next change
        op.execute(f"UPDATE organisations o SET search_document = concat_ws(' ', o.name, o.description, m.name) "
                   f"FROM (VALUES {names}) AS m (name, code) WHERE o.municipality = m.code AND o.search_document = ''")
        op.execute("INSERT INTO catalogue_index (organisation_id, tenant, search_document) "
                   "SELECT id, tenant, search_document FROM organisations ON CONFLICT (organisation_id) DO NOTHING")
    op.execute("ANALYZE catalogue_index")  # the planner's statistics now, not at autovacuum's next visit
    op.execute("DROP INDEX ix_organisations_search")
    op.execute("ALTER TABLE organisations DROP COLUMN search_vector")


def downgrade() -> None:
    op.execute("ALTER TABLE organisations ADD COLUMN search_vector tsvector "
               "GENERATED ALWAYS AS (to_tsvector('regie_dutch'::regconfig, search_document)) STORED")
    op.execute("CREATE INDEX ix_organisations_search ON organisations USING gin (search_vector)")
    op.execute("DROP TRIGGER organisations_catalogue_index ON organisations")
    op.execute("DROP FUNCTION catalogue_index_follows()")
    op.execute("DROP TABLE catalogue_index")
