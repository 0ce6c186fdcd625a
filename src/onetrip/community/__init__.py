"""Community service complexes ("3+X" 社区服务综合体) and the deliberation workshop (一坊议事)."""
