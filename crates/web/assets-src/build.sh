#!/bin/sh
# Rebuild Yagona's vendored front-end assets in crates/web/static/.
#
# Needs Node.js >= 20.19 and npm (the npm registry only). Does not touch Rust.
# The outputs are committed, so CI and `cargo build` never need npm.
#
#   sh crates/web/assets-src/build.sh
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
STATIC="$HERE/../static"
cd "$HERE"

# Exact versions from package-lock.json. --ignore-scripts: no install hooks,
# nothing downloads binaries of its own (sass is the pure-JS dart-sass build).
# --omit=optional: skip @parcel/watcher (native, only used by `sass --watch`).
if [ -f package-lock.json ]; then
  npm ci --ignore-scripts --omit=optional --no-audit --no-fund
else
  npm install --ignore-scripts --omit=optional --no-audit --no-fund
fi

mkdir -p "$STATIC"

# Compile. pkg: URLs resolve through Node's package resolution.
# --quiet-deps hides deprecation warnings raised inside govuk-frontend itself
# (it still uses @import for Sass < 1.23 compatibility).
npx --no-install sass \
  --pkg-importer=node \
  --style=compressed \
  --no-source-map \
  --quiet-deps \
  --silence-deprecation=import \
  yagona.scss "$STATIC/yagona.css"

GOVUK="$HERE/node_modules/govuk-frontend"

# Progressive-enhancement JavaScript (pages must work without it), copied
# byte for byte. It ends with a sourceMappingURL comment; the .map is not
# shipped, so browser devtools may log a harmless 404 for it.
cp "$GOVUK/dist/govuk/govuk-frontend.min.js" "$STATIC/govuk-frontend.min.js"

# Licence: govuk-frontend's npm package declares "license": "MIT" but ships
# no licence file, so the committed LICENSE-govuk-frontend.txt is kept as is
# (MIT text of the upstream repository). Only the version line is refreshed.
GOVUK_VERSION=$(node -p "require('$GOVUK/package.json').version")
SASS_VERSION=$(node -p "require('$HERE/node_modules/sass/package.json').version")
if [ -f "$STATIC/LICENSE-govuk-frontend.txt" ]; then
  sed -i "s/^govuk-frontend version: .*/govuk-frontend version: $GOVUK_VERSION/" \
    "$STATIC/LICENSE-govuk-frontend.txt"
fi

# Fail if anything GOV.UK-branded or restricted sneaked into the CSS.
if grep -q "GDS Transport" "$STATIC/yagona.css"; then
  echo "error: yagona.css references the restricted GDS Transport font" >&2
  exit 1
fi
if grep -q "@font-face" "$STATIC/yagona.css"; then
  echo "error: yagona.css contains an @font-face rule" >&2
  exit 1
fi

echo "built with govuk-frontend $GOVUK_VERSION, sass $SASS_VERSION:"
ls -l "$STATIC"
