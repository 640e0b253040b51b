-- AlterTable
ALTER TABLE "audience_contact" ADD COLUMN     "country" TEXT,
ALTER COLUMN "phone" SET NOT NULL;

-- AlterTable
ALTER TABLE "contact" ADD COLUMN     "country" TEXT;

-- CreateIndex
CREATE INDEX "audience_account_id_updated_at_id_idx" ON "audience"("account_id", "updated_at", "id");

-- CreateIndex
CREATE INDEX "audience_contact_audience_id_updated_at_id_idx" ON "audience_contact"("audience_id", "updated_at", "id");

-- CreateIndex
CREATE INDEX "audience_contact_audience_id_phone_id_idx" ON "audience_contact"("audience_id", "phone", "id");

-- CreateIndex
CREATE INDEX "audience_contact_audience_id_country_idx" ON "audience_contact"("audience_id", "country");

-- CreateIndex
CREATE INDEX "audience_contact_tags_idx" ON "audience_contact" USING GIN ("tags");

-- CreateIndex
CREATE INDEX "contact_account_id_updated_at_id_idx" ON "contact"("account_id", "updated_at", "id");

-- CreateIndex
CREATE INDEX "contact_account_id_country_idx" ON "contact"("account_id", "country");

-- Sorting by a name (issue 14): one key for every row, NULLs included, so a keyset cursor is one row comparison
-- and a deep page one index range scan: (no name, the name lower-cased in A-Z only, id). lower() under "C" folds
-- ASCII letters alone, so the order is the same on PGlite and on PostgreSQL whatever their locales; Prisma's
-- schema cannot express an index on expressions, and its diff leaves them alone.
CREATE INDEX "audience_contact_first_name_order_idx" ON "audience_contact" ("audience_id", ("first_name" IS NULL), COALESCE(lower("first_name" COLLATE "C"), ''), "id");
CREATE INDEX "audience_contact_last_name_order_idx" ON "audience_contact" ("audience_id", ("last_name" IS NULL), COALESCE(lower("last_name" COLLATE "C"), ''), "id");
CREATE INDEX "contact_name_order_idx" ON "contact" ("account_id", ("name" IS NULL), COALESCE(lower("name" COLLATE "C"), ''), "id");
CREATE INDEX "contact_email_order_idx" ON "contact" ("account_id", ("email" IS NULL), COALESCE(lower("email" COLLATE "C"), ''), "id");
CREATE INDEX "audience_name_order_idx" ON "audience" ("account_id", lower("name" COLLATE "C"), "id");

-- The country travels with the number: an audience row written without either takes both from its contact (a
-- number of no single country is looked up each time: there are few), and a contact's new number (with its
-- country) reaches all its rows. The function names stay; their bodies now carry both columns.
CREATE OR REPLACE FUNCTION "audience_contact_take_phone"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."phone" IS NULL OR NEW."country" IS NULL OR (TG_OP = 'UPDATE' AND NEW."contact_id" IS DISTINCT FROM OLD."contact_id") THEN
    SELECT c."phone", c."country" INTO NEW."phone", NEW."country" FROM "contact" c WHERE c."id" = NEW."contact_id" FOR SHARE;
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION "contact_give_phone"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "audience_contact" SET "phone" = NEW."phone", "country" = NEW."country" WHERE "contact_id" = NEW."id";
  RETURN NULL;
END $$;

DROP TRIGGER "contact_give_phone" ON "contact";
CREATE TRIGGER "contact_give_phone" AFTER UPDATE OF "phone", "country" ON "contact"
  FOR EACH ROW WHEN (OLD."phone" IS DISTINCT FROM NEW."phone" OR OLD."country" IS DISTINCT FROM NEW."country") EXECUTE FUNCTION "contact_give_phone"();
