import type { ThemeConfig } from 'antd';

/**
 * antd's default theme with the colours that fail WCAG 2.1 AA text contrast (4.5:1, found by the
 * e2e axe scan) made one step darker. Each ratio is against white unless said otherwise.
 */
export const THEME: ThemeConfig = {
  token: {
    // Links, link buttons, tabs, the selected menu item, primary buttons: blue-7, 6.2:1 (blue-6
    // #1677ff was 4.1:1, 3.7:1 on the selected menu item's #e6f4ff).
    colorPrimary: '#0958d9',
    colorLink: '#0958d9',
    // Danger buttons and form errors: red-7, 5.6:1 (#ff4d4f was 3.3:1).
    colorError: '#cf1322',
    // Warning text (Typography type="warning"): gold-9, 6.2:1 on #f5f5f5 (#faad14 was 1.7:1).
    colorWarningText: '#874d00',
    // Success and info text (a diff's added lines on #f6ffed, its hunk headers on #f5f5f5): green-8,
    // 5.4:1 (#52c41a was 2.2:1), and blue-7, 5.6:1 (#1677ff was 3.8:1).
    colorSuccessText: '#237804',
    colorInfoText: '#0958d9',
    // Secondary text and description labels: 5.6:1 on #f5f5f5 (0.45 was 3.3:1).
    colorTextTertiary: 'rgba(0, 0, 0, 0.6)',
    colorTextDescription: 'rgba(0, 0, 0, 0.6)',
    // Placeholders: 4.9:1 (0.25 was 1.8:1).
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.56)',
    // Text of the gold, green, orange and cyan tags (roles, statuses, kinds) on their light
    // backgrounds: one shade darker (2.8:1, 3.4:1, 3.3:1 and 3.4:1 before). antd has each shade under
    // two names; the CSS variable the tags use is the one with the dash.
    'gold-7': '#874d00',
    gold7: '#874d00',
    'green-7': '#237804',
    green7: '#237804',
    'orange-7': '#ad4e00',
    orange7: '#ad4e00',
    'cyan-7': '#006d75',
    cyan7: '#006d75',
  },
};
