import { t } from '../../composables/use-i18n';
import { useAsync, errorMessage } from '../../composables/use-async';
import { useSession } from '../../composables/use-session';
import { deskApi, type ReplyRule, type RuleInput } from '../../api/desk';
import { ElMessage, ElMessageBox } from './ui';

/** A drawer that creates or edits one rule: the rule being edited (null: a new one) and its state. */
export interface RuleDrawer {
  open: boolean;
  busy: boolean;
  rule: ReplyRule | null;
  error: string;
}

export const ruleId = (r: { id?: string; _id?: string }) => String(r._id ?? r.id);
/** What a keyword or regex rule listens for, as the tables show it. */
export const patternOf = (r: ReplyRule) => (r.kind === 'regex' ? (r.pattern ?? '') : (r.keywords ?? []).join('、'));

/** Asks before deleting; true when the manager confirms. */
export async function confirmDelete(message: string): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, t('replies.delete'), {
      type: 'warning',
      confirmButtonText: t('replies.delete'),
      cancelButtonText: t('common.cancel'),
      confirmButtonClass: 'el-button--danger',
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * The bot's reply rules as the console edits them (话术库's keyword and regex rules, 机器人's FAQ and
 * 转人工 rules): the rules this page lists (`filter`), and saving, switching and deleting one, each
 * saying what happened and reloading the list. A refused save keeps the drawer open with the server's
 * reason, so nothing typed is lost.
 */
export function useReplyRules(filter: (r: ReplyRule) => boolean, options: { immediate?: boolean } = {}) {
  const api = deskApi(useSession('staff').api);
  const rules = useAsync(async () => (await api.rules()).items.filter(filter), options);

  async function save(drawer: RuleDrawer, body: RuleInput, kind: ReplyRule['kind']) {
    drawer.busy = true;
    drawer.error = '';
    try {
      if (drawer.rule) await api.updateRule(ruleId(drawer.rule), body);
      else await api.createRule({ kind, ...body });
      ElMessage.success(t('common.saved'));
      drawer.open = false;
      await rules.run();
    } catch (err) {
      drawer.error = errorMessage(err);
    } finally {
      drawer.busy = false;
    }
  }

  async function toggle(r: ReplyRule, active: boolean) {
    try {
      await api.updateRule(ruleId(r), { active });
      ElMessage.success(t(active ? 'replies.switchedOn' : 'replies.switchedOff'));
    } catch (err) {
      ElMessage.error(errorMessage(err));
    }
    await rules.run();
  }

  async function remove(r: ReplyRule, question: string) {
    if (!(await confirmDelete(question))) return;
    try {
      await api.deleteRule(ruleId(r));
      ElMessage.success(t('replies.ruleDeleted'));
    } catch (err) {
      ElMessage.error(errorMessage(err));
    }
    await rules.run();
  }

  return { api, rules, save, toggle, remove };
}
