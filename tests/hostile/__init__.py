"""The hostile suite: panelcast used as a hostile user would, grouped by kind (inputs, config
and YAML, paths and outputs, cache damage, faults, server and feed, and random input for every
parser and loader). ``pytest tests/hostile`` runs it alone."""
