MERGE INTO "curated_db"."profiles" AS t
USING (
  SELECT "player_id", "level", "updated"
  FROM (
    SELECT "player_id" AS "player_id", "level" AS "level", "updated_ms" AS "updated",
      ROW_NUMBER() OVER (PARTITION BY "player_id" ORDER BY "updated_ms" DESC NULLS LAST, "level" DESC NULLS LAST) AS "gureum_copy"
    FROM "raw_db"."profiles"
    WHERE "year" = {}
      AND "month" = {}
      AND "day" = {}
      AND "player_id" IS NOT NULL
  ) AS copies
  WHERE "gureum_copy" = 1
) AS s
ON t."player_id" = s."player_id"
WHEN MATCHED AND (t."updated" IS NULL OR s."updated" > t."updated") THEN
  UPDATE SET "level" = s."level", "updated" = s."updated"
WHEN NOT MATCHED THEN
  INSERT ("player_id", "level", "updated")
  VALUES (s."player_id", s."level", s."updated")
