import { Badge, Tooltip } from 'antd';
import type { BadgeProps } from 'antd';
import { useTranslation } from 'react-i18next';
import type { StreamState } from '../../lib/sse';
import { POLL_INTERVAL_MS } from './queries';

export interface LiveIndicatorProps {
  state: StreamState;
  /** The stream is open and sends this page's figures. */
  live: boolean;
}

/** Live / connecting / reconnecting, as a status the screen reader announces when it changes. */
export function LiveIndicator({ state, live }: LiveIndicatorProps) {
  const { t } = useTranslation('monitoring');
  const seconds = POLL_INTERVAL_MS / 1000;
  let status: BadgeProps['status'];
  let text: string;
  let hint: string;
  if (live) {
    status = 'processing';
    text = t('live.open');
    hint = t('live.openHint');
  } else if (state === 'connecting') {
    status = 'default';
    text = t('live.connecting');
    hint = t('live.pollingHint', { seconds });
  } else if (state === 'reconnecting') {
    status = 'warning';
    text = t('live.reconnecting');
    hint = t('live.reconnectingHint', { seconds });
  } else {
    status = 'default';
    text = t('live.polling', { seconds });
    hint = t('live.pollingHint', { seconds });
  }
  return (
    <Tooltip title={hint}>
      <span role="status" data-state={live ? 'live' : state}>
        <Badge status={status} text={text} color={live ? 'green' : undefined} />
      </span>
    </Tooltip>
  );
}
