-- Escalation to the hosting provider, and notices for content found again after its removal.

-- standard: the weekly batch and its follow-ups · reupload: content whose earlier notice got it
-- removed was found again; sent at once instead of waiting for the weekly batch.
ALTER TABLE notices ADD COLUMN kind text NOT NULL DEFAULT 'standard' CHECK (kind IN ('standard', 'reupload'));
-- Set on notices past NOTICE_ESCALATE_AFTER rounds: 'included' when the hosting provider was
-- addressed too, 'no_contact' when the platform has no hosting-provider contact to escalate to.
ALTER TABLE notices ADD COLUMN escalation text CHECK (escalation IN ('included', 'no_contact'));
CREATE INDEX notices_escalation_no_contact ON notices (platform_id) WHERE escalation = 'no_contact';

-- For an item of a re-upload notice: the earlier notice whose item for the same content (or the same
-- registered item of the same case) had been removed. Statistics count re-uploads from this column.
ALTER TABLE notice_items ADD COLUMN reupload_of bigint REFERENCES notices (id) ON DELETE SET NULL;
CREATE INDEX notice_items_reupload_of ON notice_items (reupload_of) WHERE reupload_of IS NOT NULL;
CREATE INDEX notice_items_removed ON notice_items (match_id) WHERE removed_at IS NOT NULL;
