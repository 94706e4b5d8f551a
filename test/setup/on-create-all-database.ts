// jest setupFiles of the "create_all database" project: its databases start as Behflow's init_db.py builds them.
process.env.BEHFLOW_TEST_DATABASE = 'create-all';
