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
          "t1"."ts" <= MAKE_TIMESTAMP(2025, 6, 30, 12, 0, 0.0)
          AND "t1"."event_type" IN ('page_visit')
          AND "t1"."ts" > MAKE_TIMESTAMP(2025, 5, 31, 12, 0, 0.0)
          AND CONTAINS(LOWER("t1"."url"), '/pricing')
      ) AS "t4"
      GROUP BY
        1
    ) AS "t5"
    WHERE
      "t5"."__m0" >= 2
  ) AS "t7"
    ON "t3"."contact_id" = "t7"."contact_id"
) AS "t8"
WHERE
  (
    (
      "t8"."created_at" IS NULL
    )
    OR (
      "t8"."created_at" <= MAKE_TIMESTAMP(2025, 6, 30, 12, 0, 0.0)
    )
  )
  AND "t8"."__m0" >= 2
