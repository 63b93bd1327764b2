/** Policy fields for release health: rollback triggers agreed before deployment, the post-release watch. */
export const healthPolicyShape = {} as const;
