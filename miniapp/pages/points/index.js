const session = require('../../utils/session.js');
const { errorMessage } = require('../../utils/http.js');
const fmt = require('../../utils/format.js');

const TYPE = { earn: '获得', spend: '使用', expire: '过期', reverse: '退款扣回' };

/** @param {{ id: string, type: 'earn'|'spend'|'expire'|'reverse', points: number, reason?: string, createdAt: string }} e */
function row(e) {
  return { id: e.id, title: e.reason || TYPE[e.type] || e.type, when: fmt.day(e.createdAt), change: `${e.points > 0 ? '+' : ''}${e.points}` };
}

/** Balance, what expires when, and the ledger newest first, 20 at a time (cursor paging). */
Component({
  data: { loading: true, error: '', balanceText: '0', expiring: [], entries: [], nextCursor: null },
  methods: {
    async onLoad() {
      try {
        const [points, page] = await Promise.all([session.api('GET', '/me/points'), session.api('GET', '/me/points/ledger', { query: { limit: 20 } })]);
        this.setData({ balanceText: fmt.number(points.balance), expiring: points.expiring, entries: page.items.map(row), nextCursor: page.nextCursor, loading: false });
      } catch (err) {
        this.setData({ loading: false, error: errorMessage(err) });
      }
    },
    async more() {
      if (!this.data.nextCursor) return;
      this.setData({ loading: true });
      try {
        const page = await session.api('GET', '/me/points/ledger', { query: { limit: 20, cursor: this.data.nextCursor } });
        this.setData({ entries: this.data.entries.concat(page.items.map(row)), nextCursor: page.nextCursor, loading: false });
      } catch (err) {
        this.setData({ loading: false, error: errorMessage(err) });
      }
    },
  },
});
