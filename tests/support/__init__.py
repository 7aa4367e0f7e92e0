"""Test support shared by several test packages (no tests here).

* ``personas``: the persona names every access table is written in.
* ``access_matrix``: the machinery of the per-app access matrices
  (``tests/<app>/test_access_matrix.py``): the scenario, rows, one case's run.
* ``builders``, ``report_world``, ``outcomes_world``, ``pipeline_world``,
  ``challenge_world``: data builders used by more than one app's tests.
* ``live_server_daphne``: a real Daphne process for the browser tests.
* ``corpus``: the file corpus (the shared one beside the repo when present,
  else the small one committed in ``tests/support/corpus/``).
"""
