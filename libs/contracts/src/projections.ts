/** Read models an operator can rebuild from the event topics: `vigil projections rebuild <name>`. */
export const RebuildableProjections = ['reporting'] as const;
export type RebuildableProjection = (typeof RebuildableProjections)[number];

/** The owning service's admin route that replays the topics from offset zero into fresh tables and swaps them in. */
export const ProjectionRebuildRoute = (projection: RebuildableProjection) => `/api/v1/admin/projections/${projection}/rebuild`;
