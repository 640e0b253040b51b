-- Tags of one audience (issue 14): the GIN index on tags alone held every audience's rows, so "tags any of [vip]"
-- in the 300,000-row audience found all 200,000 vip rows of the table and read each from the heap to drop the
-- other audiences' (page with totalCount 475 ms p50 at 1,000,000 rows, its count alone 164 ms). With the audience
-- as the index's first column (btree_gin gives uuid a GIN operator class) the bitmap holds that audience's rows
-- only: the count took 61-76 ms instead, on a machine at load average 10. Still one GIN index to maintain.
-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "btree_gin";

-- DropIndex
DROP INDEX "audience_contact_tags_idx";

-- CreateIndex
CREATE INDEX "audience_contact_audience_id_tags_idx" ON "audience_contact" USING GIN ("audience_id" uuid_ops, "tags");
