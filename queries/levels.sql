-- name: levels
-- title: Các mức xếp loại
-- description: The four rating levels, best first, with their names since 2018 and their abbreviations.
-- columns: level, code, name, short
SELECT level::INTEGER AS level, code, name, short
FROM levels
ORDER BY level;
