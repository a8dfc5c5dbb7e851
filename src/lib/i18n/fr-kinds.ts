// French strings of the organisation kinds admin. Top-level groups here must not exist in another catalogue file.
export const frKinds = {} as const;
