import type { Translation } from '../../lib/i18n/types';

/**
 * English text every kind of rule's editor shares (the `rules` namespace): the drawer's buttons,
 * a conflict and its reload, the preview, the history and rollback, the discard question. A kind's
 * own text is in its namespace (`routing`, `ratelimit`).
 */
export const rulesEnUS = {
  editor: {
    close: 'Close',
    cancel: 'Cancel',
    preview: 'Preview',
    submit: 'Submit',
  },
  discard: {
    title: 'Discard unsaved changes?',
    content: 'Your edits to this rule have not been saved and will be lost.',
    ok: 'Discard',
    cancel: 'Keep editing',
  },
  preview: {
    title: 'Preview',
    hint: 'What will be written to the control plane. Nothing is written until you submit.',
    stale: 'The form changed after this preview; preview again to see the current changes.',
    create: 'Create',
    update: 'Update',
    delete: 'Delete',
    unchanged: 'Unchanged',
    yaml: 'YAML',
    diff: 'Changes',
    yamlOf: 'YAML of {{kind}} {{name}}',
    diffOf: 'Changes to {{kind}} {{name}}',
    noChanges: 'No changes to the live object',
    copy: 'Copy YAML',
    copied: 'YAML copied',
    copyFailed: 'Could not copy: the browser did not allow it',
    download: 'Download YAML',
    warnings: 'Warnings',
    sofaNote:
      'This rule is written in the SOFA dialect (spec.dubbo). Stock Istio prunes spec.dubbo, so the rule takes effect only on a SOFA mesh control plane.',
  },
  conflict: {
    title: 'Someone else changed this rule',
    description:
      'The rule was changed after you opened it, so your changes were not applied. Everything you entered is kept. Reload the live rule to see how your changes differ from it, then submit again.',
    reload: 'Reload live rule',
    reloaded:
      'The live rule is loaded. The preview below shows what your changes do to it; submit to apply them on top of it.',
    reloadFailed: 'Could not reload the live rule: {{message}}',
    preconditionTitle: 'Something this rule relies on changed',
  },
  history: {
    title: 'History of {{name}}',
    loadFailed: 'Could not load the history',
    empty: 'No revisions recorded for this rule',
    list: 'Revisions',
    revision: 'Revision {{n}}',
    actions: { create: 'Created', update: 'Updated', delete: 'Deleted', rollback: 'Rolled back' },
    restored: 'restored revision {{n}}',
    current: 'Current',
    changes: 'Changes',
    rollbackTo: 'Roll back to revision {{n}}',
    rollback: 'Roll back',
    confirm: 'Roll back {{name}} to revision {{n}}?',
    confirmHint: "This applies that revision's rule now and records a new revision.",
    ok: 'Roll back',
    cancel: 'Cancel',
    done: 'Rolled back {{name}} to revision {{n}}',
    failed: 'Could not roll back: {{message}}',
    close: 'Close',
  },
};

/** 中文文案：键与 en-US 完全一致（由类型检查保证）。 */
export const rulesZhCN: Translation<typeof rulesEnUS> = {
  editor: {
    close: '关闭',
    cancel: '取消',
    preview: '预览',
    submit: '提交',
  },
  discard: {
    title: '放弃未保存的修改？',
    content: '对此规则的修改尚未保存，关闭后将丢失。',
    ok: '放弃',
    cancel: '继续编辑',
  },
  preview: {
    title: '预览',
    hint: '将写入控制面的内容。提交之前不会写入任何内容。',
    stale: '预览之后表单有改动；请重新预览以查看当前的变更。',
    create: '新建',
    update: '更新',
    delete: '删除',
    unchanged: '不变',
    yaml: 'YAML',
    diff: '变更',
    yamlOf: '{{kind}} {{name}} 的 YAML',
    diffOf: '{{kind}} {{name}} 的变更',
    noChanges: '与线上对象相比没有变更',
    copy: '复制 YAML',
    copied: '已复制 YAML',
    copyFailed: '无法复制：浏览器不允许',
    download: '下载 YAML',
    warnings: '警告',
    sofaNote:
      '此规则以 SOFA 方言（spec.dubbo）写入。原生 Istio 会裁剪 spec.dubbo，因此规则只在 SOFA 服务网格控制面上生效。',
  },
  conflict: {
    title: '规则已被他人修改',
    description:
      '你打开规则之后，它被他人修改了，因此你的修改没有生效。你输入的内容都已保留。请重新加载线上规则，查看你的修改与它的差异，然后再次提交。',
    reload: '重新加载线上规则',
    reloaded: '已加载线上规则。下面的预览显示你的修改对它的变更；提交即在其基础上应用你的修改。',
    reloadFailed: '无法重新加载线上规则：{{message}}',
    preconditionTitle: '此规则依赖的对象已被修改',
  },
  history: {
    title: '{{name}} 的变更历史',
    loadFailed: '无法加载变更历史',
    empty: '此规则没有变更记录',
    list: '修订',
    revision: '修订 {{n}}',
    actions: { create: '新建', update: '修改', delete: '删除', rollback: '回滚' },
    restored: '恢复修订 {{n}}',
    current: '当前',
    changes: '变更',
    rollbackTo: '回滚到修订 {{n}}',
    rollback: '回滚',
    confirm: '将 {{name}} 回滚到修订 {{n}}？',
    confirmHint: '立即应用该修订的规则，并记录一个新的修订。',
    ok: '回滚',
    cancel: '取消',
    done: '已将 {{name}} 回滚到修订 {{n}}',
    failed: '无法回滚：{{message}}',
    close: '关闭',
  },
};
