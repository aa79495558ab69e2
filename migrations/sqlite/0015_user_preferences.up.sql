-- Each user's admin UI preferences: language, time zone and theme. An empty text means the
-- deployment's default. The row goes with its user.
CREATE TABLE user_preferences (
    user_id   INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    language  TEXT    NOT NULL DEFAULT '',
    time_zone TEXT    NOT NULL DEFAULT '',
    theme     TEXT    NOT NULL DEFAULT '' CHECK (theme IN ('', 'light', 'dark', 'auto'))
) STRICT;
