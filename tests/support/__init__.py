"""Test support shared by several test packages (no tests here).

* ``personas``: the persona names every access table is written in (their
  fixtures are in ``tests/conftest.py``).
* ``access_matrix``: the machinery of the per-app access matrices
  (``tests/<app>/test_access_matrix.py``): the scenario, rows, one case's run,
  and the list of every app's matrix.
* ``builders``: ventures with a team, catalog datasets.
* ``challenge_world``: a challenge with an assigned reviewer, review posts.
* ``ydoc``: a y-websocket client and fixtures for the live-document tests.
* ``accessibility``: the structural accessibility audit of a page.
* ``corpus``: the file corpus (the shared one beside the repo when present,
  else the small one committed in ``corpus/``, cut by ``make_small_corpus``).

Helpers used by one test package stay in it (``tests/reports/*_world.py``,
``tests/e2e/live_server_daphne.py``).
"""
