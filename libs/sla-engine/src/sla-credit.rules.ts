import type { CreditTier } from '@vigil/contracts';

/** Tiers read "below X → credit Y": the largest credit whose `below` exceeds the compliance; 0 when none applies. */
export function creditPercentage(compliancePercentage: number, tiers: CreditTier[]): number {
  return tiers.reduce((credit, tier) => (compliancePercentage < tier.below ? Math.max(credit, tier.credit) : credit), 0);
}
