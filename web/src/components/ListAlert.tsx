import { Alert } from 'antd';
import type { AlertProps } from 'antd';

interface ListAlertProps {
  type: AlertProps['type'];
  title: string;
  /** One line each; nothing is shown when there are none. */
  items: readonly string[];
}

/** An alert whose description is a bulleted list: a preview's warnings, a form's problems. */
export function ListAlert({ type, title, items }: ListAlertProps) {
  if (items.length === 0) return null;
  return (
    <Alert
      type={type}
      showIcon
      title={title}
      description={
        <ul style={{ margin: 0, paddingInlineStart: 18 }}>
          {items.map((item, i) => (
            <li key={`${i}-${item}`}>{item}</li>
          ))}
        </ul>
      }
    />
  );
}
