SELECT
  "t8"."contact_id"
FROM (
  SELECT
    "t3"."contact_id",
    "t3"."created_at",
    "t7"."__m0"
  FROM (
    SELECT
      "t0"."contact_id",
      "t0"."created_at"
    FROM "contacts" AS "t0"
  ) AS "t3"
  INNER JOIN (
    SELECT
      *
    FROM (
      SELECT
        "t4"."contact_id",
        COUNT(*) AS "__m0"
      FROM (
        SELECT
          *
        FROM "events" AS "t1"
        WHERE
          "t1"."ts" <= CAST('2025-06-30T12:00:00' AS TIMESTAMP)
          AND "t1"."event_type" IN ('email_click')
          AND "t1"."ts" >= CAST('2025-05-01T12:00:00' AS TIMESTAMP)
          AND "t1"."ts" < CAST('2025-05-31T12:00:00' AS TIMESTAMP)
      ) AS "t4"
      GROUP BY
        1
    ) AS "t5"
    WHERE
      "t5"."__m0" >= 1
  ) AS "t7"
    ON "t3"."contact_id" = "t7"."contact_id"
) AS "t8"
WHERE
  (
    (
      "t8"."created_at" IS NULL
    )
    OR (
      "t8"."created_at" <= CAST('2025-06-30T12:00:00' AS TIMESTAMP)
    )
  )
  AND "t8"."__m0" >= 1
