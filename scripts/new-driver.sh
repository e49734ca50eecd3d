#!/usr/bin/env bash
# Creates driver-NAME from the driver-protocol1 template: module path, package,
# driver name and scheme all become NAME, and the module joins go.work.
#   scripts/new-driver.sh NAME        (run from the repository root; make new-driver NAME=foo)
set -euo pipefail
name="${1:-}"
if [[ ! "$name" =~ ^[a-z][a-z0-9]*$ ]]; then
  echo "new-driver: NAME must be lower-case letters and digits, starting with a letter (got '${name}')" >&2
  exit 2
fi
dest="driver-$name"
if [ -e "$dest" ]; then
  echo "new-driver: $dest already exists" >&2
  exit 2
fi
title="$(tr '[:lower:]' '[:upper:]' <<<"${name:0:1}")${name:1}"

cp -R driver-protocol1 "$dest"
# Every file of the template names protocol1; rename them all.
grep -rlZ -e protocol1 -e Protocol1 "$dest" | xargs -0 sed -i -e "s/protocol1/$name/g" -e "s/Protocol1/$title/g"
for f in $(find "$dest" -depth -name '*protocol1*'); do
  mv "$f" "$(dirname "$f")/$(basename "$f" | sed "s/protocol1/$name/g")"
done
if [ -f go.work ]; then
  go work use "./$dest"
fi
# The new module joins the release set: it is published with the others.
if [ -f versions.yaml ]; then
  awk -v m="github.com/dtmdrivers/drivers/$dest" '
    /^module-sets:/{s=1} /^excluded-modules:/{if (s && !done) {print "      - " m; done=1}; s=0}
    s && /^    modules:/{inmods=1}
    {print}
    END{if (!done) print "      - " m}' versions.yaml >versions.yaml.new
  mv versions.yaml.new versions.yaml
fi
echo "created $dest: module github.com/dtmdrivers/drivers/$dest, driver dtm-driver-$name, scheme $name"
echo "next: read $dest/README.md (Adapting the template) and run: cd $dest && go test ./..."
