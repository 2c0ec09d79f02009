# SPDX-License-Identifier: GPL-2.0-or-later
"""
vnetrs topotest conftest.

Runs FRR's own pytest topotest framework, imported from the FRR source tree
at $VNETRS_FRR_SRC (default <repo>/build/frr/src), without editing it:

* FRR's tests/topotests directory goes on sys.path, so tests can do
  "from lib.topogen import Topogen, TopoRouter, get_topogen" and
  "from lib import topotest" like FRR's own tests.
* FRR's tests/topotests/conftest.py is imported as a plain module and its
  hooks and fixtures (--rundir and the other options, environment check,
  per-test logs, the tgen fixture, ...) are re-exported from here.
* $VNETRS_VTYSH_DIR, if set, is prepended to PATH (topotests run "vtysh").
* Overrides for this machine are in vnetrs_topo.py.

Run as root with the system interpreter:

    /usr/bin/python3 -m pytest --rundir /tmp/vnetrs-topotests topotests/
"""

import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)

import vnetrs_topo  # noqa: E402  pylint: disable=wrong-import-position

globals().update(vnetrs_topo.pytest_objects(vnetrs_topo.bootstrap()))
