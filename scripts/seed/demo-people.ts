/**
 * Deterministic generators for demo people: Chinese names, mainland phone numbers, cities, birthdays.
 * A seeded PRNG keeps every demo identical, so README examples stay true.
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN_F = [
  '婷',
  '丽',
  '静',
  '敏',
  '燕',
  '雪',
  '琳',
  '欣',
  '怡',
  '佳',
  '悦',
  '蕾',
  '晶',
  '颖',
  '梦',
  '瑶',
  '萱',
  '璐',
  '晓',
  '雨',
  '思',
  '诗',
  '雅',
  '彤',
  '涵',
];
const GIVEN_M = [
  '伟',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '杰',
  '涛',
  '明',
  '超',
  '浩',
  '鹏',
  '宇',
  '博',
  '晨',
  '昊',
  '俊',
  '凯',
  '峰',
  '建',
  '志',
  '文',
  '斌',
  '辉',
  '龙',
];
export const CITIES = ['上海', '北京', '杭州', '广州', '深圳', '成都', '南京', '苏州', '武汉', '西安', '重庆', '长沙', '厦门', '青岛', '天津'];
const CHANNELS = ['live_stream', 'store', 'miniapp', 'wecom_qr', 'shop'];

export interface DemoPerson {
  name: string;
  gender: 'male' | 'female';
  phone: string;
  city: string;
  birthday: { month: number; day: number; year: number };
  sourceChannel: string;
}

export function demoPerson(rand: () => number, index: number): DemoPerson {
  const pick = <T>(arr: readonly T[] | string): T => arr[Math.floor(rand() * arr.length)] as T;
  const gender = rand() < 0.68 ? 'female' : 'male';
  const given = gender === 'female' ? GIVEN_F : GIVEN_M;
  const name = pick<string>(SURNAMES) + pick(given) + (rand() < 0.6 ? pick(given) : '');
  const prefix = pick(['138', '139', '137', '136', '150', '151', '158', '159', '186', '187', '188', '177', '199']);
  const phone = `${prefix}${String(10_000_000 + index * 7919 + Math.floor(rand() * 7000)).slice(-8)}`;
  return {
    name,
    gender,
    phone,
    city: pick(CITIES),
    birthday: { month: 1 + Math.floor(rand() * 12), day: 1 + Math.floor(rand() * 28), year: 1970 + Math.floor(rand() * 35) },
    sourceChannel: pick(CHANNELS),
  };
}
