// The fault suite (`npm run test:faults`): the five real services under load while it kills
// them, stops the broker, cuts PostgreSQL and breaks a receiver, then audits every read model.
// Its own file, because it needs a broker of its own that it may stop (scripts/vigil.sh).
const { projects } = require('./jest.config');

const [unit] = projects;

module.exports = {
  testTimeout: 900_000,
  projects: [{ ...unit, displayName: 'faults', testMatch: ['<rootDir>/apps/**/*.faults-spec.ts'] }],
};
