DROP TABLE remote_probes;
