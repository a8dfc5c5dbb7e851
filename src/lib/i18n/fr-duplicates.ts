// French strings of the duplicates feature. Top-level groups here must not exist in another catalogue file.
export const frDuplicates = {} as const;
