"""The catalogue's index carries what a search filters, orders and counts by, so that a search reads that one table
and its indexes and nothing else: the name, the municipality, whether the organisation is a social-economy
enterprise (by kind or by a recognition valid today, as partners last announced it), the rubrics it offers and
its offerings as rubric/kind pairs. A trigger on `offerings` keeps them as the offerings change; the one on
`organisations` now also follows the name, municipality and status.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op

from shared.tenancy import TENANTS

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        ALTER TABLE catalogue_index
            ADD COLUMN name text NOT NULL DEFAULT '',
            ADD COLUMN municipality text NOT NULL DEFAULT '',
            ADD COLUMN social_economy boolean NOT NULL DEFAULT false,
            ADD COLUMN rubrics text[] NOT NULL DEFAULT '{}',
            ADD COLUMN offers text[] NOT NULL DEFAULT '{}'""")
    # One function writes an organisation's entry from its rows, as the writer and with its tenant: from the
    # trigger on organisations (its own row changed) and from the one on offerings (an offering came, changed
    # or went). An organisation gone (deleted, cascading) leaves no entry.
    op.execute("""
        CREATE FUNCTION catalogue_index_refresh(organisation uuid) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO catalogue_index (organisation_id, tenant, search_document, name, municipality,
                                         social_economy, rubrics, offers)
            SELECT o.id, o.tenant, o.search_document, o.name, o.municipality,
                   coalesce(o.social_economy_announced, false),
                   coalesce((SELECT array_agg(DISTINCT f.rubric::text) FROM offerings f
                              WHERE f.organisation_id = o.id), '{}'),
                   coalesce((SELECT array_agg(DISTINCT f.rubric || '/' || f.kind) FROM offerings f
                              WHERE f.organisation_id = o.id), '{}')
              FROM organisations o
             WHERE o.id = organisation
            ON CONFLICT (organisation_id) DO UPDATE
                SET tenant = EXCLUDED.tenant, search_document = EXCLUDED.search_document, name = EXCLUDED.name,
                    municipality = EXCLUDED.municipality, social_economy = EXCLUDED.social_economy,
                    rubrics = EXCLUDED.rubrics, offers = EXCLUDED.offers;
        END $$""")
    op.execute("""
        CREATE OR REPLACE FUNCTION catalogue_index_follows() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM catalogue_index_refresh(NEW.id);
            RETURN NEW;
        END $$""")
    op.execute("DROP TRIGGER organisations_catalogue_index ON organisations")
    op.execute("""CREATE TRIGGER organisations_catalogue_index
                  AFTER INSERT OR UPDATE OF search_document, tenant, name, municipality, social_economy_announced
                  ON organisations FOR EACH ROW EXECUTE FUNCTION catalogue_index_follows()""")
    op.execute("""
        CREATE FUNCTION catalogue_index_follows_offerings() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                PERFORM catalogue_index_refresh(OLD.organisation_id);
            END IF;
            IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.organisation_id <> OLD.organisation_id) THEN
                PERFORM catalogue_index_refresh(NEW.organisation_id);
            END IF;
            RETURN NULL;
        END $$""")
    op.execute("""CREATE TRIGGER offerings_catalogue_index
                  AFTER INSERT OR UPDATE OR DELETE ON offerings
                  FOR EACH ROW EXECUTE FUNCTION catalogue_index_follows_offerings()""")
    for tenant in TENANTS:  # organisations' policy binds the owner too: one province at a time
        op.execute(f"SELECT set_config('app.tenant', '{tenant}', true)")
        op.execute("SELECT catalogue_index_refresh(id) FROM organisations")
    op.execute("CREATE INDEX ix_catalogue_index_rubrics ON catalogue_index USING gin (rubrics)")
    op.execute("CREATE INDEX ix_catalogue_index_offers ON catalogue_index USING gin (offers)")
    op.execute("CREATE INDEX ix_catalogue_index_municipality ON catalogue_index (tenant, municipality)")
    op.execute("ANALYZE catalogue_index")


def downgrade() -> None:
    op.execute("DROP TRIGGER offerings_catalogue_index ON offerings")
    op.execute("DROP FUNCTION catalogue_index_follows_offerings()")
    op.execute("DROP TRIGGER organisations_catalogue_index ON organisations")
    op.execute("""
        CREATE OR REPLACE FUNCTION catalogue_index_follows() RETURNS trigger LANGUAGE plpgsql AS $$
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
    op.execute("DROP FUNCTION catalogue_index_refresh(uuid)")
    op.execute("DROP INDEX ix_catalogue_index_municipality")
    op.execute("DROP INDEX ix_catalogue_index_offers")
    op.execute("DROP INDEX ix_catalogue_index_rubrics")
    op.execute("ALTER TABLE catalogue_index DROP COLUMN name, DROP COLUMN municipality, DROP COLUMN social_economy, "
               "DROP COLUMN rubrics, DROP COLUMN offers")
