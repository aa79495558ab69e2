-- Each user's admin UI preferences: language, time zone and theme. An empty text means the
-- deployment's default. The row goes with its user.
CREATE TABLE user_preferences (
    user_id   bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    language  text   NOT NULL DEFAULT '',
    time_zone text   NOT NULL DEFAULT '',
    theme     text   NOT NULL DEFAULT '' CHECK (theme IN ('', 'light', 'dark', 'auto'))
);
