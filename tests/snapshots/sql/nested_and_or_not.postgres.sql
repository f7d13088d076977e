SELECT
  "t10"."contact_id"
FROM (
  SELECT
    "t4"."contact_id",
    "t4"."created_at",
    "t4"."country",
    "t9"."__m0",
    "t7"."is_customer",
    "t7"."points"
  FROM (
    SELECT
      "t0"."contact_id",
      "t0"."created_at",
      "t0"."country"
    FROM "contacts" AS "t0"
  ) AS "t4"
  LEFT OUTER JOIN (
    SELECT
      "t5"."contact_id",
      COUNT(*) AS "__m0"
    FROM (
      SELECT
        *
      FROM "events" AS "t2"
      WHERE
        "t2"."ts" <= CAST('2025-06-30T12:00:00' AS TIMESTAMP)
        AND "t2"."event_type" IN ('unsubscribe')
    ) AS "t5"
    GROUP BY
      1
  ) AS "t9"
    ON "t4"."contact_id" = "t9"."contact_id"
  LEFT OUTER JOIN (
    SELECT
      "t1"."contact_id",
      "t1"."is_customer",
      "t1"."points"
    FROM "contact_history" AS "t1"
    WHERE
      "t1"."valid_from" <= CAST('2025-06-30T12:00:00' AS TIMESTAMP)
      AND (
        (
          "t1"."valid_to" IS NULL
        )
        OR (
          "t1"."valid_to" > CAST('2025-06-30T12:00:00' AS TIMESTAMP)
        )
      )
  ) AS "t7"
    ON "t4"."contact_id" = "t7"."contact_id"
) AS "t10"
WHERE
  (
    (
      "t10"."created_at" IS NULL
    )
    OR (
      "t10"."created_at" <= CAST('2025-06-30T12:00:00' AS TIMESTAMP)
    )
  )
  AND (
    (
      "t10"."country" = 'Germany'
    ) OR (
      "t10"."points" > 80
    )
  )
  AND NOT (
    COALESCE("t10"."is_customer" = TRUE, FALSE)
  )
  AND NOT (
    COALESCE("t10"."__m0", 0) >= 1
  )
