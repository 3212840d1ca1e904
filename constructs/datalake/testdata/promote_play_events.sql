MERGE INTO "game_curated"."play_events" AS t
USING (
  SELECT "player_id", "event_type", "score", "ts"
  FROM (
    SELECT "playerid" AS "player_id", "eventtype" AS "event_type", "score" AS "score", "ts" AS "ts",
      ROW_NUMBER() OVER (PARTITION BY "playerid", "eventtype", "ts" ORDER BY "score" DESC NULLS LAST) AS "gureum_copy"
    FROM "game_raw"."play_events_raw"
    WHERE "year" = {}
      AND "month" = {}
      AND "day" = {}
      AND "playerid" IS NOT NULL
      AND "eventtype" IS NOT NULL
      AND "ts" IS NOT NULL
  ) AS copies
  WHERE "gureum_copy" = 1
) AS s
ON t."player_id" = s."player_id" AND t."event_type" = s."event_type" AND t."ts" = s."ts"
WHEN NOT MATCHED THEN
  INSERT ("player_id", "event_type", "score", "ts")
  VALUES (s."player_id", s."event_type", s."score", s."ts")
