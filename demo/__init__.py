"""The demo city (``seed_demo``) and the city-scale synthetic data (``seed_scale``)."""
