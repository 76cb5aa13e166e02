DROP TABLE workers;
DROP TABLE queues;
DROP TABLE jobs;
