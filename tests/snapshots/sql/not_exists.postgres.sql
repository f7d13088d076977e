SELECT
  "t7"."contact_id"
FROM (
  SELECT
    "t3"."contact_id",
    "t3"."created_at",
    "t6"."__m0"
  FROM (
    SELECT
      "t0"."contact_id",
      "t0"."created_at"
    FROM "contacts" AS "t0"
  ) AS "t3"
  LEFT OUTER JOIN (
    SELECT
      "t4"."contact_id",
      COUNT(*) AS "__m0"
    FROM (
      SELECT
        *
      FROM "events" AS "t1"
      WHERE
        "t1"."ts" <= CAST('2025-06-30T12:00:00' AS TIMESTAMP)
        AND "t1"."event_type" IN ('page_visit')
        AND "t1"."ts" > CAST('2025-06-16T12:00:00' AS TIMESTAMP)
    ) AS "t4"
    GROUP BY
      1
  ) AS "t6"
    ON "t3"."contact_id" = "t6"."contact_id"
) AS "t7"
WHERE
  (
    (
      "t7"."created_at" IS NULL
    )
    OR (
      "t7"."created_at" <= CAST('2025-06-30T12:00:00' AS TIMESTAMP)
    )
  )
  AND NOT (
    COALESCE("t7"."__m0", 0) >= 1
  )
