-- Search indexes for issue 13's shapes, measured on the benchmark's 1,000,000 audience rows (EXPLAIN ANALYZE, one
-- client, after VACUUM ANALYZE):
--
-- * A word must appear in the first or the last name (a contact's name or email). With one trigram index a
--   column, "ann smi" had to OR two bitmaps a word and read every row one word matched to test the other: in an
--   account of 300,000 contacts 5,363 rows read for 1,789 matches, 29 ms. Both columns as one text (a space
--   between them, so a word, which never holds a space, matches where it matched one of the two) let GIN
--   intersect the words' trigrams before the heap: 1,789 rows read, 4.9 ms. In an audience: 38 -> 14.6 ms.
-- * The audience (account) is the index's first column (btree_gin, as for tags), so a fragment's matches come
--   from that parent only. Before, "4155" found its 8,357 numbers in every audience and then ANDed a bitmap of
--   all 300,000 rows of the one searched: 22 ms; within the audience's entries, 3.9 ms. It also keeps one
--   tenant's search from reading another's rows.
--
-- Six GIN indexes become four. The expressions must stay as the services write them (src/services/filterSql.ts:
-- audienceContactNameText, contactNameText), or the planner cannot match them; test/searchIndexes.test.ts checks
-- that the services' statements use them. Prisma's schema cannot state an index on an expression, and its diff
-- leaves them alone.

-- DropIndex
DROP INDEX "audience_contact_first_name_trgm_idx";

-- DropIndex
DROP INDEX "audience_contact_last_name_trgm_idx";

-- DropIndex
DROP INDEX "audience_contact_phone_trgm_idx";

-- DropIndex
DROP INDEX "contact_email_trgm_idx";

-- DropIndex
DROP INDEX "contact_name_trgm_idx";

-- DropIndex
DROP INDEX "contact_phone_trgm_idx";

-- CreateIndex
CREATE INDEX "audience_contact_audience_id_phone_trgm_idx" ON "audience_contact" USING GIN ("audience_id" uuid_ops, "phone" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "contact_account_id_phone_trgm_idx" ON "contact" USING GIN ("account_id" uuid_ops, "phone" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "audience_contact_audience_id_names_trgm_idx" ON "audience_contact" USING GIN ("audience_id" uuid_ops, (COALESCE("first_name", '') || ' ' || COALESCE("last_name", '')) gin_trgm_ops);

-- CreateIndex
CREATE INDEX "contact_account_id_names_trgm_idx" ON "contact" USING GIN ("account_id" uuid_ops, (COALESCE("name", '') || ' ' || COALESCE("email", '')) gin_trgm_ops);
