// French strings of the import feature. Top-level groups here must not exist in another catalogue file.
export const frImport = {} as const;
