/**
 * The gig category taxonomy (零工分类), versioned reference data that every service reads:
 * workers' skills (user service), job categories (job service), search facets. It is data, not
 * behaviour; a change here is a migration of meaning, so codes are never reused.
 */
export interface GigCategory {
  code: string;
  parent: string | null;
  zh: string;
  en: string;
}

export const TAXONOMY_VERSION = '2026.1';

type Tree = [code: string, zh: string, en: string, children: [string, string, string][]][];

// prettier-ignore
const TREE: Tree = [
  [
    'food',
    '餐饮服务',
    'Food service',
    [
      ['food.waiter', '服务员', 'Waiter'],
      ['food.kitchen_helper', '后厨帮工', 'Kitchen helper'],
      ['food.dishwasher', '洗碗工', 'Dishwasher'],
      ['food.cashier', '收银员', 'Cashier'],
      ['food.barista', '咖啡师', 'Barista'],
    ],
  ],
  [
    'retail',
    '零售促销',
    'Retail & promotion',
    [
      ['retail.promoter', '促销员', 'Promoter'],
      ['retail.flyer', '派单员', 'Flyer distributor'],
      ['retail.stocker', '理货员', 'Stocker'],
      ['retail.sales_assistant', '导购', 'Sales assistant'],
    ],
  ],
  [
    'logistics',
    '物流仓储',
    'Logistics & warehousing',
    [
      ['logistics.sorter', '分拣员', 'Sorter'],
      ['logistics.packer', '打包员', 'Packer'],
      ['logistics.forklift', '叉车司机', 'Forklift driver'],
      ['logistics.inventory', '盘点员', 'Inventory counter'],
    ],
  ],
  [
    'housekeeping',
    '家政保洁',
    'Housekeeping & cleaning',
    [
      ['housekeeping.cleaner', '保洁员', 'Cleaner'],
      ['housekeeping.deep_clean', '开荒保洁', 'Post-renovation cleaning'],
      ['housekeeping.nanny', '育儿嫂', 'Nanny'],
      ['housekeeping.elder_care', '护工', 'Elder carer'],
    ],
  ],
  [
    'moving',
    '搬运装卸',
    'Moving & loading',
    [
      ['moving.loader', '装卸工', 'Loader'],
      ['moving.mover', '搬家工', 'Mover'],
    ],
  ],
  [
    'events',
    '活动会展',
    'Events & exhibitions',
    [
      ['events.staff', '会展服务', 'Event staff'],
      ['events.usher', '礼仪', 'Usher'],
      ['events.setup', '搭建工', 'Stage setup'],
      ['events.photographer', '摄影师', 'Photographer'],
    ],
  ],
  [
    'education',
    '教育家教',
    'Education & tutoring',
    [
      ['education.tutor', '家教', 'Tutor'],
      ['education.assistant', '助教', 'Teaching assistant'],
      ['education.invigilator', '监考', 'Invigilator'],
    ],
  ],
  [
    'delivery',
    '配送跑腿',
    'Delivery & errands',
    [
      ['delivery.courier', '骑手', 'Courier'],
      ['delivery.errand', '跑腿', 'Errand runner'],
      ['delivery.driver', '司机', 'Driver'],
    ],
  ],
  [
    'customer_service',
    '客服',
    'Customer service',
    [
      ['customer_service.phone', '电话客服', 'Phone support'],
      ['customer_service.online', '在线客服', 'Online support'],
    ],
  ],
  [
    'data_labeling',
    '数据标注',
    'Data labelling',
    [
      ['data_labeling.image', '图像标注', 'Image labelling'],
      ['data_labeling.text', '文本标注', 'Text labelling'],
      ['data_labeling.audio', '语音标注', 'Audio labelling'],
    ],
  ],
  [
    'security',
    '安保',
    'Security',
    [
      ['security.guard', '保安', 'Security guard'],
      ['security.parking', '停车管理', 'Parking attendant'],
    ],
  ],
  [
    'factory',
    '工厂普工',
    'Factory work',
    [
      ['factory.assembly', '流水线', 'Assembly line'],
      ['factory.quality', '质检员', 'Quality inspector'],
    ],
  ],
  [
    'office',
    '文员行政',
    'Office & admin',
    [
      ['office.data_entry', '录入员', 'Data entry'],
      ['office.receptionist', '前台', 'Receptionist'],
    ],
  ],
];

export const GIG_CATEGORIES: readonly GigCategory[] = TREE.flatMap(([code, zh, en, children]) => [
  { code, parent: null, zh, en },
  ...children.map(([c, z, e]) => ({ code: c, parent: code, zh: z, en: e })),
]);

const BY_CODE = new Map(GIG_CATEGORIES.map((c) => [c.code, c]));

export function findCategory(code: string): GigCategory | undefined {
  return BY_CODE.get(code);
}
