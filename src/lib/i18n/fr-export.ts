// French strings of the export feature. Top-level groups here must not exist in another catalogue file.
export const frExport = {} as const;
