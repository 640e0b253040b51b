-- The contact's number on each of its audience rows. Searching an audience by a fragment of a number tested
-- each row through the contact's primary key (a walk of 1,000 rows cost 25-55 ms against 2 ms for a name), and
-- the index path found the account's matching numbers before the audience's rows among them (25-90 ms for
-- the benchmark's phone fragments in an audience of 300,000). Here the row carries the number, and its own
-- trigram index finds it.

-- AlterTable
ALTER TABLE "audience_contact" ADD COLUMN     "phone" TEXT;

UPDATE "audience_contact" ac SET "phone" = c."phone" FROM "contact" c WHERE c."id" = ac."contact_id";

-- A row takes its contact's number when it is written without one (Prisma's creates; the gateway's own
-- statements pass the number of the contact row they hold locked) or moved to another contact. FOR SHARE: a
-- change of that number committing meanwhile is waited for and then read, so the row never keeps the number
-- it replaced.
CREATE FUNCTION "audience_contact_take_phone"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."phone" IS NULL OR (TG_OP = 'UPDATE' AND NEW."contact_id" IS DISTINCT FROM OLD."contact_id") THEN
    SELECT c."phone" INTO NEW."phone" FROM "contact" c WHERE c."id" = NEW."contact_id" FOR SHARE;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER "audience_contact_take_phone" BEFORE INSERT OR UPDATE OF "contact_id" ON "audience_contact"
  FOR EACH ROW EXECUTE FUNCTION "audience_contact_take_phone"();

-- A contact's new number reaches every audience it is in, in the same transaction.
CREATE FUNCTION "contact_give_phone"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "audience_contact" SET "phone" = NEW."phone" WHERE "contact_id" = NEW."id";
  RETURN NULL;
END $$;

CREATE TRIGGER "contact_give_phone" AFTER UPDATE OF "phone" ON "contact"
  FOR EACH ROW WHEN (OLD."phone" IS DISTINCT FROM NEW."phone") EXECUTE FUNCTION "contact_give_phone"();

-- CreateIndex
CREATE INDEX "audience_contact_phone_trgm_idx" ON "audience_contact" USING GIN ("phone" gin_trgm_ops);
