#!/usr/bin/env node
// Why this exists: the npm registry mirror on our build machines only serves the
// Linux builds of packages that ship one native binary per platform (@swc/core,
// msgpackr-extract, unrs-resolver…). `npm install` then writes a lockfile without
// the other platforms' optional packages, and `npm ci` refuses that lockfile as
// "out of sync". This script records the missing optional packages in
// package-lock.json with their platform constraints, so `npm ci` skips them on
// Linux and a machine on another platform still knows which version to fetch.
// Run it after any `npm install` that changes the lockfile (see docs/decisions/0003).
import { readFileSync, writeFileSync } from 'node:fs';

const LOCKFILE = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(LOCKFILE, 'utf8'));
const packages = lock.packages;

const OS_NAMES = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony'];
const CPU_NAMES = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'wasm32'];

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = OS_NAMES.find((candidate) => parts.includes(candidate));
  const cpu = CPU_NAMES.find((candidate) => parts.includes(candidate));
  const libc = parts.some((part) => part.startsWith('musl')) ? 'musl'
    : parts.some((part) => part.startsWith('gnu')) ? 'glibc' : undefined;
  return { os, cpu, libc };
}

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  if (!location || !entry.optionalDependencies) continue;
  for (const [dependency, range] of Object.entries(entry.optionalDependencies)) {
    const nested = `${location}/node_modules/${dependency}`;
    const hoisted = `node_modules/${dependency}`;
    if (packages[nested] || packages[hoisted]) continue;
    const { os, cpu, libc } = platformOf(dependency);
    if (!os || !cpu) continue; // not a per-platform binary: leave it to npm
    const version = range.replace(/^[\^~=]/, '');
    packages[hoisted] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      os: [os],
      cpu: [cpu],
      ...(libc ? { libc: [libc] } : {}),
    };
    added += 1;
  }
}

lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(LOCKFILE, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`package-lock.json: ${added} platform package(s) recorded\n`);
