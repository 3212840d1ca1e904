SELECT date_trunc('minute', "ts") AS "minute", "event_type",
  COUNT(*) AS "events", SUM("score") AS "value_sum", MIN("score") AS "value_min", MAX("score") AS "value_max",
  COUNT(DISTINCT "player_id") AS "distinct_player_id"
FROM "game_curated"."play_events"
WHERE "ts" > (SELECT MAX("ts") FROM "game_curated"."play_events") - INTERVAL '1' DAY
GROUP BY 1, 2
ORDER BY 1 DESC, 2
