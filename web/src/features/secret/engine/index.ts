// Lazy entry of the secret chats' engine: loaded by ../index.ts's loadEngine() only, so ts-mls
// and all of this stay out of the initial JavaScript.
import type { SecretEngine } from '../index'
import { SECRET_DB_NAME } from '../index'
import { httpDeliveryService } from './ds'
import { Engine } from './engine'
import { IndexedDbStore } from './store'

export function createBrowserEngine(): SecretEngine {
  return new Engine({ ds: httpDeliveryService, store: new IndexedDbStore(SECRET_DB_NAME) })
}
