/**
 * Stand-ins for the @vant/weapp components our pages use, rendered by miniprogram-simulate in place of
 * the real ones. Why: the WXML compiler that ships with miniprogram-simulate (miniprogram-compiler's
 * wcc) cannot compile Vant Weapp 1.11's templates (object shorthand inside wxs calls fails at render),
 * and its pure-JS compiler rejects them too. Each stand-in keeps the real component's contract as our
 * pages use it: the same property names, rendering the texts a shopper reads (title, label, value,
 * slot), and the same events (`click`, `change`), refusing clicks while disabled or loading as Vant does.
 */
export const vantStandIns: Record<
  string,
  { template: string; properties?: Record<string, unknown>; methods?: Record<string, (this: any, ...a: any[]) => void>; options?: Record<string, unknown> }
> = {
  'van-button': {
    template: '<view class="van-button {{disabled ? \'van-button--disabled\' : \'\'}}" bindtap="onTap"><slot /></view>',
    properties: { disabled: Boolean, loading: Boolean, type: String, size: String, plain: Boolean, block: Boolean, round: Boolean, openType: String },
    methods: {
      onTap() {
        if (!this.data.disabled && !this.data.loading) this.triggerEvent('click');
      },
    },
  },
  'van-cell': {
    template:
      '<view class="van-cell" bindtap="onTap"><view class="van-cell__title">{{title}}</view><view class="van-cell__label">{{label}}</view><view class="van-cell__value">{{value}}</view><slot /></view>',
    properties: { title: String, label: String, value: String, isLink: Boolean },
    methods: {
      onTap() {
        this.triggerEvent('click');
      },
    },
  },
  'van-cell-group': {
    template: '<view class="van-cell-group"><view class="van-cell-group__title">{{title}}</view><slot /></view>',
    properties: { title: String, inset: Boolean },
  },
  'van-progress': { template: '<view class="van-progress">{{percentage}}%</view>', properties: { percentage: Number, showPivot: Boolean } },
  'van-tabs': { template: '<view class="van-tabs"><slot /></view>', properties: { active: String } },
  'van-tab': { template: '<view class="van-tab">{{title}}</view>', properties: { title: String, name: String } },
  'van-checkbox': {
    template: '<view class="van-checkbox" bindtap="toggle">{{value ? "☑" : "☐"}}<slot /></view>',
    properties: { value: Boolean },
    methods: {
      toggle() {
        this.triggerEvent('change', !this.data.value);
      },
    },
  },
  'van-switch': {
    template: '<view class="van-switch" bindtap="toggle">{{checked ? "开" : "关"}}</view>',
    properties: { checked: Boolean, size: String },
    methods: {
      toggle() {
        this.triggerEvent('change', !this.data.checked);
      },
    },
  },
};
