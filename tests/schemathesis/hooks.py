"""Setup of the schemathesis run: it must not revoke the very token it authenticates with.

Revoking one's own token is a legitimate sign-out, so the API allows it; for the run it would
turn every later request into a 401 and hide what the checks are for. `revoke_token` is fuzzed
with every other id.
"""

import os

import schemathesis

OWN_TOKEN_ID = os.environ["ZS_TOKEN_ID"]


@schemathesis.hook("filter_case").apply_to(operation_id="revoke_token")
def keep_own_token(context, case):
    # Path parameters may arrive as numbers or as text, depending on the phase.
    return str(case.path_parameters.get("id")).strip() != OWN_TOKEN_ID
