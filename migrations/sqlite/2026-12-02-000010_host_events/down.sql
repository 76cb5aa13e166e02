DROP TABLE host_events;
