DROP TABLE notify_conditions;
DROP TABLE notify_events;
