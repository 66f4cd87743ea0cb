#!/usr/bin/env bash
# Recreates the dualcore and partners realms on a fresh Keycloak (start-dev) via the admin CLI.
# Used once to produce the realm files in this directory; see README.md. DEMO credentials only.
# Usage: KC_HOME=<unpacked keycloak> KC_URL=http://localhost:18080 ./configure-realms.sh
set -euo pipefail
KC="${KC_HOME:?set KC_HOME to the unpacked Keycloak distribution}/bin/kcadm.sh"
KC_URL="${KC_URL:-http://localhost:18080}"
CONFIG="$(mktemp)"
trap 'rm -f "$CONFIG"' EXIT
$KC config credentials --config "$CONFIG" --server "$KC_URL" --realm master --user admin --password admin
k() { $KC "$@" --config "$CONFIG"; }

# ---------- dualcore ----------
k create realms -s realm=dualcore -s enabled=true -s sslRequired=external -s accessTokenLifespan=300
k create roles -r dualcore -s name=user
k create roles -r dualcore -s name=admin
GW=$(k create clients -r dualcore -i -s clientId=dualcore-gateway -s enabled=true -s publicClient=false -s bearerOnly=false \
  -s standardFlowEnabled=false -s implicitFlowEnabled=false -s directAccessGrantsEnabled=false -s serviceAccountsEnabled=false \
  -s 'attributes."oauth2.device.authorization.grant.enabled"=false' -s 'attributes."oidc.ciba.grant.enabled"=false' \
  -s 'description=Audience of the Dualcore Gateway (no flows)')
k create clients/$GW/roles -r dualcore -s name=orders.read
k create clients/$GW/roles -r dualcore -s name=orders.write

SVC=$(k create clients -r dualcore -i -s clientId=dualcore-service -s enabled=true -s publicClient=false \
  -s clientAuthenticatorType=client-secret -s secret=dualcore-service-demo-secret \
  -s serviceAccountsEnabled=true -s standardFlowEnabled=false -s directAccessGrantsEnabled=false -s implicitFlowEnabled=false \
  -s 'description=Machine client (client credentials). DEMO secret.')
k create clients/$SVC/protocol-mappers/models -r dualcore -s name=dualcore-gateway-audience -s protocol=openid-connect \
  -s protocolMapper=oidc-audience-mapper -s 'config."included.client.audience"=dualcore-gateway' \
  -s 'config."access.token.claim"=true' -s 'config."id.token.claim"=false' -s 'config."introspection.token.claim"=true'
k add-roles -r dualcore --uusername service-account-dualcore-service --rolename user
k add-roles -r dualcore --uusername service-account-dualcore-service --cclientid dualcore-gateway --rolename orders.read

DEMO=$(k create clients -r dualcore -i -s clientId=dualcore-demo -s enabled=true -s publicClient=true \
  -s standardFlowEnabled=true -s directAccessGrantsEnabled=true -s implicitFlowEnabled=false -s serviceAccountsEnabled=false \
  -s 'redirectUris=["http://localhost:*"]' -s 'webOrigins=["+"]' \
  -s 'attributes."pkce.code.challenge.method"=S256' -s 'description=Public demo client (auth code + PKCE S256, password grant for tests)')
k create clients/$DEMO/protocol-mappers/models -r dualcore -s name=dualcore-gateway-audience -s protocol=openid-connect \
  -s protocolMapper=oidc-audience-mapper -s 'config."included.client.audience"=dualcore-gateway' \
  -s 'config."access.token.claim"=true' -s 'config."id.token.claim"=false' -s 'config."introspection.token.claim"=true'

mkuser() { # realm user password first last
  k create users -r "$1" -s username="$2" -s enabled=true -s emailVerified=true -s email="$2@example.com" \
    -s firstName="$4" -s lastName="$5"
  k set-password -r "$1" --username "$2" --new-password "$3"
}
mkuser dualcore alice alice-demo-password Alice Demo
k add-roles -r dualcore --uusername alice --rolename user
k add-roles -r dualcore --uusername alice --cclientid dualcore-gateway --rolename orders.read
mkuser dualcore bob bob-demo-password Bob Demo
k add-roles -r dualcore --uusername bob --rolename user --rolename admin
k add-roles -r dualcore --uusername bob --cclientid dualcore-gateway --rolename orders.read --rolename orders.write

# ---------- partners ----------
k create realms -s realm=partners -s enabled=true -s sslRequired=external -s accessTokenLifespan=300
k create roles -r partners -s name=partner
k create clients -r partners -s clientId=partners-gateway -s enabled=true -s publicClient=false \
  -s standardFlowEnabled=false -s implicitFlowEnabled=false -s directAccessGrantsEnabled=false -s serviceAccountsEnabled=false \
  -s 'attributes."oauth2.device.authorization.grant.enabled"=false' -s 'attributes."oidc.ciba.grant.enabled"=false' \
  -s 'description=Audience placeholder of the partners realm (no flows)'
PSVC=$(k create clients -r partners -i -s clientId=partners-service -s enabled=true -s publicClient=false \
  -s clientAuthenticatorType=client-secret -s secret=partners-service-demo-secret \
  -s serviceAccountsEnabled=true -s standardFlowEnabled=false -s directAccessGrantsEnabled=false -s implicitFlowEnabled=false \
  -s 'description=Partner machine client (client credentials). DEMO secret.')
k create clients/$PSVC/protocol-mappers/models -r partners -s name=dualcore-gateway-audience -s protocol=openid-connect \
  -s protocolMapper=oidc-audience-mapper -s 'config."included.custom.audience"=dualcore-gateway' \
  -s 'config."access.token.claim"=true' -s 'config."id.token.claim"=false' -s 'config."introspection.token.claim"=true'
k add-roles -r partners --uusername service-account-partners-service --rolename partner
PDEMO=$(k create clients -r partners -i -s clientId=partners-demo -s enabled=true -s publicClient=true \
  -s standardFlowEnabled=false -s directAccessGrantsEnabled=true -s implicitFlowEnabled=false \
  -s 'description=Partner public demo client (password grant)')
k create clients/$PDEMO/protocol-mappers/models -r partners -s name=dualcore-gateway-audience -s protocol=openid-connect \
  -s protocolMapper=oidc-audience-mapper -s 'config."included.custom.audience"=dualcore-gateway' \
  -s 'config."access.token.claim"=true' -s 'config."id.token.claim"=false' -s 'config."introspection.token.claim"=true'
mkuser partners carol carol-demo-password Carol Partner
k add-roles -r partners --uusername carol --rolename partner
echo DONE
