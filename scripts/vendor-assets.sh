#!/usr/bin/env bash
# Refresh static/vendor/ from the npm registry and print the SRI hashes for app/assets.py.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
( cd "$work" && npm pack --silent leaflet@1.9.4 leaflet.markercluster@1.5.3 htmx.org@2.0.4 swagger-ui-dist@5.30.2 >/dev/null
  for f in *.tgz; do mkdir "${f%.tgz}" && tar xzf "$f" -C "${f%.tgz}"; done )
vendor=static/vendor
mkdir -p "$vendor/leaflet-1.9.4/images" "$vendor/leaflet.markercluster-1.5.3" "$vendor/htmx-2.0.4" \
         "$vendor/swagger-ui-dist-5.30.2"
cp "$work"/leaflet-1.9.4/package/dist/{leaflet.js,leaflet.css} "$work"/leaflet-1.9.4/package/LICENSE "$vendor/leaflet-1.9.4/"
cp "$work"/leaflet-1.9.4/package/dist/images/* "$vendor/leaflet-1.9.4/images/"
cp "$work"/leaflet.markercluster-1.5.3/package/dist/{leaflet.markercluster.js,MarkerCluster.css,MarkerCluster.Default.css} \
   "$work"/leaflet.markercluster-1.5.3/package/MIT-LICENCE.txt "$vendor/leaflet.markercluster-1.5.3/"
cp "$work"/htmx.org-2.0.4/package/dist/htmx.min.js "$work"/htmx.org-2.0.4/package/LICENSE "$vendor/htmx-2.0.4/"
cp "$work"/swagger-ui-dist-5.30.2/package/{swagger-ui-bundle.js,swagger-ui.css,LICENSE,NOTICE} \
   "$vendor/swagger-ui-dist-5.30.2/"
for f in leaflet-1.9.4/leaflet.js leaflet-1.9.4/leaflet.css \
         leaflet.markercluster-1.5.3/leaflet.markercluster.js \
         leaflet.markercluster-1.5.3/MarkerCluster.css leaflet.markercluster-1.5.3/MarkerCluster.Default.css \
         htmx-2.0.4/htmx.min.js \
         swagger-ui-dist-5.30.2/swagger-ui-bundle.js swagger-ui-dist-5.30.2/swagger-ui.css; do
  echo "$f sha384-$(openssl dgst -sha384 -binary "$vendor/$f" | openssl base64 -A)"
done
