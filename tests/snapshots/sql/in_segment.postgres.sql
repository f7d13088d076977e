SELECT
  "t16"."contact_id"
FROM (
  SELECT
    "t3"."contact_id",
    "t3"."created_at",
    "t13"."__m0",
    "t14"."__m1",
    "t12"."__m2",
    "t15"."__m3"
  FROM (
    SELECT
      "t0"."contact_id",
      "t0"."created_at"
    FROM "contacts" AS "t0"
  ) AS "t3"
  LEFT OUTER JOIN (
    SELECT
      "t5"."contact_id",
      COUNT(*) AS "__m0"
    FROM (
      SELECT
        *
      FROM "events" AS "t1"
      WHERE
        "t1"."ts" <= CAST('2025-06-30T12:00:00' AS TIMESTAMP)
        AND "t1"."event_type" IN ('email_open')
        AND "t1"."ts" > CAST('2025-05-01T12:00:00' AS TIMESTAMP)
    ) AS "t5"
    GROUP BY
      1
  ) AS "t13"
    ON "t3"."contact_id" = "t13"."contact_id"
  LEFT OUTER JOIN (
    SELECT
      "t6"."contact_id",
      COUNT(*) AS "__m1"
    FROM (
      SELECT
        *
      FROM "events" AS "t1"
      WHERE
        "t1"."ts" <= CAST('2025-06-30T12:00:00' AS TIMESTAMP)
        AND "t1"."event_type" IN ('email_open')
        AND "t1"."ts" > CAST('2025-06-09T12:00:00' AS TIMESTAMP)
    ) AS "t6"
    GROUP BY
      1
  ) AS "t14"
    ON "t3"."contact_id" = "t14"."contact_id"
  LEFT OUTER JOIN (
    SELECT
      "t4"."contact_id",
      COUNT(*) AS "__m2"
    FROM (
      SELECT
        *
      FROM "events" AS "t1"
      WHERE
        "t1"."ts" <= CAST('2025-06-30T12:00:00' AS TIMESTAMP)
        AND "t1"."event_type" IN ('unsubscribe')
    ) AS "t4"
    GROUP BY
      1
  ) AS "t12"
    ON "t3"."contact_id" = "t12"."contact_id"
  LEFT OUTER JOIN (
    SELECT
      "t7"."contact_id",
      COUNT(*) AS "__m3"
    FROM (
      SELECT
        *
      FROM "events" AS "t1"
      WHERE
        "t1"."ts" <= CAST('2025-06-30T12:00:00' AS TIMESTAMP)
        AND "t1"."event_type" IN ('email_open', 'email_click', 'page_visit', 'form_submit', 'purchase')
        AND "t1"."ts" > CAST('2025-04-01T12:00:00' AS TIMESTAMP)
    ) AS "t7"
    GROUP BY
      1
  ) AS "t15"
    ON "t3"."contact_id" = "t15"."contact_id"
) AS "t16"
WHERE
  (
    (
      "t16"."created_at" IS NULL
    )
    OR (
      "t16"."created_at" <= CAST('2025-06-30T12:00:00' AS TIMESTAMP)
    )
  )
  AND "t16"."__m0" >= 2
  AND NOT (
    COALESCE("t16"."__m1", 0) >= 1
  )
  AND NOT (
    COALESCE("t16"."__m2", 0) >= 1
  )
  AND NOT (
    NOT (
      COALESCE("t16"."__m3", 0) >= 1
    )
    AND COALESCE("t16"."created_at" < CAST('2025-04-01T12:00:00' AS TIMESTAMP), FALSE)
  )
